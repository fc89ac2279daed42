"""The requester's pages: submit a request, confirm it, follow it, reply, download the answer."""
