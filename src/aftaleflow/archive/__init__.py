"""The archive package of a case: a BagIt bag (RFC 8493) in a deterministic zip, and its check.

No database here: `services.documents.archive` gathers a case's files; `bag.write_package`
turns them into bytes that are the same every time for the same case, and `verify.verify_package`
checks a package as an archivist receives it.
"""

from __future__ import annotations

import logging

# bagit logs each finding in English; our reports say it in Danish, so keep its log quiet
# unless the application configures logging itself.
logging.getLogger("bagit").addHandler(logging.NullHandler())
