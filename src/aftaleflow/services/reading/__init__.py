"""Read models across many agreements: the approval matrix (`matrix`, `matrix_page`,
`status`), the dashboard's overview (`dashboard`), exports (`exports`), the weekly report
(`reports`), and full-text search with the index the write services keep current (`search`,
`indexing`).
"""
