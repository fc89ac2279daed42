"""Admin: the staff accounts, their second factor and sessions; resetting a lost second factor.

The routes join the admin blueprint.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, select

from portal.accounts import second_factor
from portal.extensions import db
from portal.i18n import gettext as _
from portal.models import Role, SignInSession, User, utcnow
from portal.web.accounts.forms import ConfirmForm
from portal.web.accounts.guard import fresh_second_factor_required
from portal.web.admin.views import admin_required, bp


@bp.route("/staff")
@admin_required
def staff_list():
    members = db.session.scalars(
        select(User).where(User.role.in_([Role.STAFF, Role.ADMIN])).order_by(User.name)
    ).all()
    live = dict(
        db.session.execute(
            select(SignInSession.user_id, func.count())
            .where(SignInSession.ended_at.is_(None), SignInSession.expires_at > utcnow())
            .group_by(SignInSession.user_id)
        ).all()
    )
    return render_template("admin/staff.html", members=members, live=live, form=ConfirmForm())


@bp.post("/staff/<int:user_id>/reset-second-factor")
@admin_required
@fresh_second_factor_required
def reset_second_factor(user_id: int):
    member = db.session.get(User, user_id)
    if member is None or not member.is_staff:
        abort(404)
    if ConfirmForm().validate_on_submit():
        second_factor.reset(member, actor=current_user._get_current_object())
        db.session.commit()
        if member.id == current_user.id:
            flash(_("Your second factor is reset. Sign in again to set up a new one."), "info")
            return redirect(url_for("auth.login"))
        flash(
            _(
                "The second factor of %(name)s is reset and their sessions have ended. They set "
                "up a new one when they next sign in.",
                name=member.name,
            ),
            "success",
        )
    return redirect(url_for("admin.staff_list"))
