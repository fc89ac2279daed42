"""The controller's privacy notice as data.

One TOML file describes the controller, the contact person, the register and every section of the
notice, in Finnish (the original), Swedish and English. The portal renders it as a public page and
takes from it whoever it names as controller or contact person (notice §2 and §10: every request
goes to that person).

The same file holds, in structured form, what the portal needs to answer requests by itself: the
purposes and their legal bases, the sources, the categories of data with how long each is kept and
why, and the recipients (GDPR Art. 15(1)(a)-(h)); which categories survive an erasure because the
law requires them to be kept (Art. 17(3)(b)); and whom to tell about a rectification, erasure or
restriction (Art. 19). A malformed file stops start-up with a ``NoticeError`` that names the bad
field.

The sections are the controller's word; the structured part may not say more. Facts the portal
needs that the text does not give are the controller's additions, marked as such in the file
(``ControllerAddition``), shown as such to staff and the public, and confirmed by an administrator
(``confirmations``). ``consistency`` checks every other structured claim against the text.

The file also lists the controller's systems (``System``, read by ``systems``): where the
register's data live, who owns each system, and how the portal reaches it -- a database described
by a schema file, or a task for the owner. ``portal.register`` connects to them.
"""

from portal.notice.model import SECTION_KEYS, ControllerAddition, Notice, NoticeError
from portal.notice.reader import load_notice, parse_notice

__all__ = [
    "SECTION_KEYS",
    "ControllerAddition",
    "Notice",
    "NoticeError",
    "load_notice",
    "parse_notice",
]
