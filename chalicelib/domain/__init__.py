"""Pure rules and value objects. No I/O, no AWS, no HTTP."""
