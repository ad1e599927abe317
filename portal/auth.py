"""Who acts in a service: a signed-in user (staff, or a firm's account); None where the system acts."""

from django.contrib.auth.models import User

# The project runs on Django's own user model (AUTH_USER_MODEL is not swapped): services check its
# permissions (has_perm) and name it in the audit log.
Actor = User
