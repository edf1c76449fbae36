"""ReadAccounts: the account that sends the request (added for the image lifecycle: the shim
resolves ``describe-images --owners self`` / ``--executable-users self`` with it).

Only ``AccountId`` is answered: the emulator keeps no contact details, and every other
member of OAPI's ``Account`` is optional.
"""

from __future__ import annotations

from .models import Account
from .store import Cloud


def read_accounts(cloud: Cloud, caller: Account, params: dict) -> dict:
    return {"Accounts": [{"AccountId": caller.account_id}]}


HANDLERS = {"ReadAccounts": read_accounts}
