"""claimbot benchmarks: measure the budgets of the design (DESIGN.md, "Budgets").

`python -m bench` runs them all and rewrites bench/RESULTS.md; `python -m bench.cold_import`,
`python -m bench.webhook` and `python -m bench.ocr` run one and print its section.
"""
