"""The governance structure as versioned master data: loading and importing the files
(`masterdata`, `masterdata_sync`, `masterdata_import`), reading it as valid on a day
(`reading`), the origins an agreement may have on a day (`origins`), committees added by an
administrator (`bodies`), the checks against ceased bodies with their successors
(`succession`), and carrying open cases over a structure change such as 1 January 2027
(`carryover`; implementations are ended and continued, never deleted, in
`implementation_carryover`).
"""
