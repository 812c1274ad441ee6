from __future__ import annotations

import strawberry

from resolvers import auth
from resolvers.errors import TooManyAttempts, Unauthenticated
from schema.context import Info
from schema.edge import write_unit
from schema.types.users import LoginInput, LoginPayload, User
from schema.ws import access_changed


@strawberry.input(description="Your current password and the one you choose instead.")
class ChangeMyPasswordInput:
    current_password: str = strawberry.field(description="The password you signed in with.")
    new_password: str = strawberry.field(description=(
        "At least 10 characters mixing two of letters, digits and symbols; not containing your username, not a "
        "common password, not the current one."))


def _payload(result: auth.LoginResult) -> LoginPayload:
    user = result.user
    return LoginPayload(
        token=result.token,
        expires_at=result.expires_at,
        user=User.build(pk=user.id, username=user.username, display_name=user.display_name, role=user.role),
        must_change_password=bool(user.must_change_password),
    )


@strawberry.type(description="Sign-in.")
class AuthMutation:
    @strawberry.mutation(description="Sign in. Wrong credentials: UNAUTHENTICATED; after 5 failures the account "
                                     "is locked for 15 minutes: TOO_MANY_ATTEMPTS.")
    async def login(self, info: Info, input: LoginInput) -> LoginPayload:
        ctx = info.context
        async with write_unit(ctx, keep_on=(Unauthenticated, TooManyAttempts)) as session:
            result = await auth.login(
                session,
                username=input.username.strip(),
                password=input.password,
                secret_key=ctx.settings.secret_key,
                ttl_seconds=ctx.settings.token_ttl_seconds,
                client=ctx.client,
            )
        return _payload(result)

    @strawberry.mutation(description=(
        "Change your own password (PASSWORD_CHANGED); any signed-in user, and the one thing besides `me` a user with "
        "`mustChangePassword` may do. A new password the policy refuses: BAD_USER_INPUT on `newPassword`; a wrong "
        "current password: BAD_USER_INPUT on `currentPassword`, counted like a failed sign-in (5 lock the account for "
        "15 minutes: TOO_MANY_ATTEMPTS). Every other session ends (tokens stop, WebSockets close with 4403); the "
        "answer carries a fresh token for this one."))
    async def change_my_password(self, info: Info, input: ChangeMyPasswordInput) -> LoginPayload:
        ctx = info.context
        async with ctx.db.read() as conn:
            prepared = await auth.prepare_password_change(conn, ctx.actor, current=input.current_password,
                                                          new=input.new_password)
        async with write_unit(ctx, keep_on=(auth.WrongCurrentPassword,)) as session:
            result = await auth.change_password(session, ctx.actor, prepared, secret_key=ctx.settings.secret_key,
                                                ttl_seconds=ctx.settings.token_ttl_seconds, client=ctx.client)
        await access_changed(ctx)
        return _payload(result)
