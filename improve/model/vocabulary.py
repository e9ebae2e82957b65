"""The fixed vocabularies of documents, in one place (issue 12): severities, action-item statuses
and visibilities. The JSON Schemas hold the same lists, and a test keeps them in agreement
(tests/unit/read/test_kinds.py); a kind's own statuses live with the kind (improve/model/kinds.py).
"""

from __future__ import annotations

SEVERITIES = ("SEV1", "SEV2", "SEV3", "SEV4")
# Severities whose follow-up work is held to the stricter rules (`followup_days`, prevent or detect).
MAJOR_SEVERITIES = ("SEV1", "SEV2")
OPEN_STATUSES = ("open", "in-progress")
CLOSED_STATUSES = ("done", "dropped")
ITEM_STATUSES = (*OPEN_STATUSES, *CLOSED_STATUSES)
VISIBILITIES = ("internal", "restricted")
