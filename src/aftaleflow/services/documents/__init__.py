"""Case documents built from the database: view models (`view_models`), rendering, storing and
registering dagsordenpunkter, dagsordener and letters (`case_documents`), each council's draft
agenda item (`drafts`) and the archive package of a case (`archive`). Rendering itself lives in
`aftaleflow.documents`; this package decides what goes into a document.
"""
