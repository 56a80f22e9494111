"""Construction projects, investment statistics and tax sources (issue 13), begun with what everything else rests on:
the taxes a project is expected to pay where it is built (`taxes.py`, its rates as dated data in
`tax_rules.json`). Not yet an installed app: the project ledger, monthly figures and receipts come next."""
