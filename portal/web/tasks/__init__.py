"""The page behind a task's link, for the owner of a system the portal cannot reach itself:
no account, only the signed, single-use link (``portal.register.tasks``)."""
