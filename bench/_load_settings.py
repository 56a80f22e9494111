"""Settings for the gunicorn that `python -m bench load` starts: the real settings, with a fast password hasher.

Signing in with Argon2 costs tens of milliseconds of CPU by design; every simulated user signs in once at its
start, and on two cores those sign-ins would be what the first steps measure. The simulated people's passwords are
stored as MD5 hashes (bench/load.py), which only this module accepts. MD5 comes first: were it second, Django
would upgrade each hash to Argon2 at sign-in, paying the cost this module avoids. (The leading underscore keeps
`python -m bench` from importing this module when it collects the benchmarks: it needs the server's environment.)
"""

from zhili.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]  # noqa: F405
