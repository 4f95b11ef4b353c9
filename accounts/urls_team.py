"""Tenant host, under /settings/: the team and the audit log."""

from django.urls import path

from accounts import views_team

urlpatterns = [
    path("team/", views_team.team, name="team"),
    path("team/invite/", views_team.team_invite, name="team_invite"),
    path("team/members/<int:membership_id>/role/", views_team.member_role, name="member_role"),
    path(
        "team/members/<int:membership_id>/remove/", views_team.member_remove, name="member_remove"
    ),
    path(
        "team/members/<int:membership_id>/transfer/",
        views_team.member_transfer,
        name="member_transfer",
    ),
    path(
        "team/invitations/<int:invitation_id>/revoke/",
        views_team.invitation_cancel,
        name="invitation_revoke",
    ),
    path("audit/", views_team.audit_log, name="audit_log"),
]
