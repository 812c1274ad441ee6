from __future__ import annotations

import strawberry

from resolvers import auth
from resolvers.errors import TooManyAttempts, Unauthenticated
from schema.context import Info
from schema.edge import write_unit
from schema.types.users import LoginInput, LoginPayload, User


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
            user = result.user
        return LoginPayload(
            token=result.token,
            expires_at=result.expires_at,
            user=User.build(pk=user.id, username=user.username, display_name=user.display_name, role=user.role),
        )
