"""What a password a user chooses for themselves must be (changeMyPassword).

Stricter than what ADMIN may set (resolvers/admin/credentials.py): at least 10 characters, at
least two of letters, digits and other characters (the same classes as there, so a Chinese
character counts as a letter), not containing the username, not one of the passwords people pick
first, and not the password it replaces. Each rule is its own message, so the form can say which.
All of it is checked before any hashing: a refused password costs no CPU.
"""

from __future__ import annotations

from resolvers.errors import BadUserInput

MIN_LENGTH, MAX_LENGTH = 10, 128
FIELD = "newPassword"

# Long enough and mixed enough to pass the other rules, yet the first a guesser tries (leaked-
# password lists, and the Chinese favourites: 5201314 "I love you for ever", woaini, pinyin names).
COMMON = frozenset({
    "password1!", "password12", "password123", "password1234", "passw0rd123", "p@ssw0rd123", "p@ssword123",
    "qwerty1234", "qwerty12345", "qwerty123!", "1qaz2wsx3edc", "1q2w3e4r5t", "1q2w3e4r5t6y", "zaq12wsxcde",
    "abc1234567", "abcd123456", "abc123456789", "a123456789", "aa12345678", "a1234567890", "123456789a",
    "1234567890a", "123456abcd", "admin12345", "admin123456", "admin@1234", "welcome123", "iloveyou12",
    "woaini1314", "woaini5201314", "5201314woaini", "aini1314520", "zhang123456", "wang123456", "li123456789",
    "demo123456", "changeme123", "letmein123", "ehuying123", "ehuying2026", "zhifu123456",
})


def check_new_password(password: str, *, username: str, current: str) -> str:
    """The password if it may be chosen; BAD_USER_INPUT on `newPassword` naming the rule if not."""
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise BadUserInput(f"新密码须为 {MIN_LENGTH}–{MAX_LENGTH} 位", f"A new password has {MIN_LENGTH}–{MAX_LENGTH} characters",
                           field=FIELD, rule="LENGTH")
    kinds = sum((any(c.isalpha() for c in password), any(c.isdigit() for c in password),
                 any(not c.isalnum() for c in password)))
    if kinds < 2:
        raise BadUserInput("新密码须至少包含字母、数字、符号中的两类", "A new password mixes at least two of letters, digits and symbols",
                           field=FIELD, rule="CLASSES")
    if username and username.lower() in password.lower():
        raise BadUserInput("新密码不能包含用户名", "A new password must not contain the username", field=FIELD, rule="USERNAME")
    if password.lower() in COMMON:
        raise BadUserInput("这个密码太常见,容易被猜中,请换一个", "That password is too common; choose another", field=FIELD,
                           rule="COMMON")
    if password == current:
        raise BadUserInput("新密码不能与当前密码相同", "The new password must differ from the current one", field=FIELD, rule="SAME")
    return password
