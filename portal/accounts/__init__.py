"""People's accounts: registration, email confirmation, sign-in, passwords, profile and staff
invitations (``services``), and the password rules (``passwords``).

Imports the models and the infrastructure modules only; the pages are in ``portal.web.accounts``.
"""
