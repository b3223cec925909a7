"""What people see and send: ``views`` (the plugin's routes, a thin layer), ``screens`` (the green fields and the
overview) and ``schemas`` (one marshmallow schema per input, with German messages)."""
