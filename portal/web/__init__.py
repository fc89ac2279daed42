"""The web: blueprints of thin views that parse the input, call one service, commit and redirect.

- ``main``: the home page, the privacy notice, the language choice;
- ``accounts``: register, confirm, sign in, passwords, profile (blueprint ``auth``);
- ``requester``: the requester's own requests (blueprint ``requests``);
- ``staff``: the queue, the ticket, intake, letters, the suppression check;
- ``admin``: the outbox; ``devmail``: the development mailbox.

The web may import everything in the domain; nothing in the domain imports the web.
"""
