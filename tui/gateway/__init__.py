"""The ssh gateway: OpenSSH's ``sshd`` serves the app, in kiosk mode, to anyone who
connects (they sign in inside the app).

``sshd_config`` writes the configuration, ``account`` checks the system account,
``setup`` puts the files in place, ``session`` is what ``sshd`` runs for each
connection (``ForceCommand``), ``cli`` the ``change-challenge gateway`` commands.
Nothing here imports Textual but ``session``'s last step, which runs the app.
"""
