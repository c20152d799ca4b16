"""For tests of code that shares records: the test run turns every channel off
(portal/testenv.py), and a test about sharing turns them on, to the console receiver, with
`@override_settings(**SHARING_ON)`."""

from __future__ import annotations

SHARING_ON = {"EXCHANGE_LICENCE_GATEWAY": "console", "EXCHANGE_CASE_GATEWAY": "console"}
