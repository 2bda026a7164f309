"""The modal screens, one a module, each with its stylesheet beside it."""

from tui.screens.agents import AgentsModal
from tui.screens.audit_trail import AuditTrailModal
from tui.screens.channels import ChannelsModal
from tui.screens.choice import CANCELLED, NO_CURRENT, ChoiceModal
from tui.screens.columns import ColumnModal
from tui.screens.confirm import ConfirmModal
from tui.screens.create_case import CreateCaseModal, NewCase
from tui.screens.edit_line import EditLineModal
from tui.screens.filter import FilterModal, describe
from tui.screens.go_to import GoToModal
from tui.screens.label_picker import LabelPickerModal
from tui.screens.quick_replies import QuickRepliesModal
from tui.screens.workspace_settings import WorkspaceSettingsModal

__all__ = ["CANCELLED", "NO_CURRENT", "AgentsModal", "AuditTrailModal", "ChannelsModal",
           "ChoiceModal", "ColumnModal", "ConfirmModal", "CreateCaseModal", "EditLineModal",
           "FilterModal", "GoToModal", "LabelPickerModal", "NewCase", "QuickRepliesModal",
           "WorkspaceSettingsModal", "describe"]
# The metrics screen (tui.screens.metrics) is imported when it is first opened: its
# plotting library took a tenth of a second of every start-up.
