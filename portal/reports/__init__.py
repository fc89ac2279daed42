"""The controller's figures: how many requests, how fast, how many late (GDPR Art. 5(2), 24).

``figures`` asks the database for aggregates only (a request list of any length costs the same
few statements); ``plots`` draws them as SVG on the server, with no script and nothing from
another host.
"""
