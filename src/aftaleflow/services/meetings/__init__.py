"""The committee clerk's side: meetings, their dagsordenpunkter and the beslutninger recorded
after them (`agenda`), bilag given as PDF files (`bilag`), and agendas rendered ahead of their
send deadline (`agenda_documents`).
"""
