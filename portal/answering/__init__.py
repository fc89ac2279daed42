"""Answering a request: what the controller sends back and what answering does to the data.

- ``letters``: the default letters (``letters.texts``) and filling them from the ticket and the
  notice in the requester's language, with staff's own versions;
- ``rights``: the effects of the rights (marketing objection, erasure, restriction, Art. 19);
- ``access_package``: the copy of the data for an access request (Art. 15);
- ``retention``: how long a closed request's records are kept, and anonymising them after.

Builds on ``portal.subject_requests`` (the request and its lifecycle), the models and the
infrastructure modules (audit, files, mail, notice); never imports the web or the CLI.
"""
