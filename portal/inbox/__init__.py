"""The privacy mailbox: mail people send to the controller, read over IMAP and kept once each.

``fetcher`` reads and stores (exactly once, store then flag), ``parse`` reads one raw message
without trusting it, ``runner`` is ``flask inbox fetch``'s loop.
"""
