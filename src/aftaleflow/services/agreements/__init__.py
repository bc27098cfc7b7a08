"""The samarbejdsaftale as a case: creating it, firing its triggers, each party's approval in a
round, each cluster's implementation, the parties a round asks, the actions available on a day,
its text versions, and the read model every adapter shows (`read_model.view_of`).

`cases` creates, advances and reads agreements; `lookup` reads one on SQLAlchemy Core (what
`agreement show`, the API and the dashboard show), from the rows around it (`rows`);
`lifecycle` runs the machines' guards and entry effects inside a unit of work; `approvals` and
`implementations` record decisions; `availability` says what may be done now and why not;
`part_view` what a part may read; `party_case` is one council's view.
"""
