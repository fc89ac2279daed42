"""Account pages: register, confirm the address, sign in and out, passwords, profile, staff
invitations (blueprint ``auth``)."""
