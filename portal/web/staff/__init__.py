"""The staff pages: the queue, the ticket and its actions, intake of requests made outside the
portal, the letters and the suppression-list check."""
