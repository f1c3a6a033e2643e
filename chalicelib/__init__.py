"""claimbot application code. See DESIGN.md at the repository root for the layers."""
