"""Tariff data for chalicelib.domain.rating: one JSON file per region and effective date.

An actuary corrects a figure by editing (or, for a new effective date, copying) a file; no code
changes. `load_tariff(region, on)` takes the national file with the latest `effective_from` on or
before `on` and merges into it the latest file for that province on or before `on`.

Every file has `region` ("national" or a province's short name: 广东, 北京, 内蒙古 …),
`effective_from` (YYYY-MM-DD) and `source`. The file name (`guangdong-2020-09-19.json`) is only
for people; the fields decide. A regional file holds only what differs from the national one:
objects are merged key by key, anything else (numbers, lists such as tax bands) replaces the
national value whole.

Money and rates are strings ("950", "-0.10") so that they are read as exact decimals. Any object
with `"unverified": true` holds reference figures still to be confirmed; its `note` says why.

national: `compulsory` (categories, 使用性质 → category, limits, floating plans A–E),
`vehicle_tax` (bands by displacement), `commercial` (NCD, factors, depreciation, base premium
inputs) and `plans` (what 基础 / 标准 / 全面 contain).
"""
