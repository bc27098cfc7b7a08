"""Service functions grouped by capability; each public function is one transaction.

Adapters (CLI, API, dashboard, flows) call these and nothing below them. Directly here: the
unit of work (`uow`), the plain read models shared by every package (`views`) and the audit
chain check (`auditing`). The packages: `agreements` (the case and its rounds), `structure`
(master data and succession), `meetings` (agendas and decisions), `documents` (what goes into
case documents), `mail` (outbox, reminders, links), `reading` (matrix, status, search,
exports, reports) and `access` (users and sessions).
"""
