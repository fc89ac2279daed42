"""Erasure carried out in the connected systems, and proven (issue 11, item 5; GDPR Art. 17).

- ``plan``: what an erasure will do to each row a system holds about the person, computed from a
  ``Finding`` without a database: deleted, blanked or masked, or kept under a category of the
  notice until a day (Art. 17(3)(b));
- ``execute``: one system, one transaction: found again, compared with the approved plan, carried
  out with checked row counts, then looked at again;
- ``ticket``: the plans, results and waivers on the request's trail, and the hold list;
- ``holds``: the daily job that deletes rows whose hold has ended.
"""

from portal.register.erasure.plan import Hold, SystemPlan, TablePlan, plan_system, retained_until

__all__ = ["Hold", "SystemPlan", "TablePlan", "plan_system", "retained_until"]
