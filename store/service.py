"""The store's API: every operation on cases, agents and channels, as one service.

Each method is one unit of work — it opens a transaction, resolves who is acting,
checks permissions and the lifecycle, changes what it must, writes the audit event
and the system event, commits, and returns frozen views. The TUI, the CLI, the
poller, the scheduler and ingest all call this; none of them writes SQL.

`CaseService` only puts the rooms together; each operation lives in the module
named for what it is about (ARCHITECTURE.md lists them): store.team, .conversation,
.case_edits, .reading, .my_workspace, .outbox, .inbound (with .threads), .jobs, on
the shared unit of work in store.core.
"""

from __future__ import annotations

from store.audit_log import AuditOps
from store.case_edits import CaseEditOps
from store.conversation import ConversationOps
from store.drafts import DraftOps
from store.fields import plain_address
from store.identity import TrustOps
from store.importing import ImportOps
from store.inbound import InboundOps
from store.inputs import (
    AttachmentInput,
    BounceInput,
    Clock,
    ContactInput,
    InboundView,
    MailInput,
    MessageInput,
    OutboxMail,
    Purged,
    Receipt,
    utcnow,
)
from store.jobs import JobOps
from store.knowledge.ops import KnowledgeOps
from store.metrics.ops import MetricsOps
from store.my_workspace import MyWorkspaceOps
from store.outbox import RETRY_PAUSES, OutboxOps
from store.privacy.ops import PrivacyOps
from store.queries import CaseFilter
from store.quick_replies import QuickReplyOps, fill_quick_reply
from store.reading import ReadingOps
from store.records import sla_policy
from store.team import TeamOps, bootstrap
from store.triage.ops import TriageOps

__all__ = [
    "RETRY_PAUSES", "AttachmentInput", "BounceInput", "CaseFilter", "CaseService", "Clock",
    "ContactInput", "InboundView", "MailInput", "MessageInput", "OutboxMail", "Purged",
    "Receipt", "bootstrap", "fill_quick_reply", "plain_address", "sla_policy", "utcnow",
]


class CaseService(AuditOps, TeamOps, ConversationOps, CaseEditOps, ReadingOps, MyWorkspaceOps,
                  OutboxOps, InboundOps, ImportOps, JobOps, TriageOps, QuickReplyOps, KnowledgeOps,
                  MetricsOps, PrivacyOps, TrustOps, DraftOps):
    """The store as one identity sees it (store.core.ServiceCore): `login` is resolved
    to an agent in every unit of work, so a changed membership or a deactivation
    takes effect at once."""
