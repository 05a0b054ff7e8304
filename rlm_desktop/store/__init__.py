"""Where the app keeps things: folders (platformdirs) and the user's settings (no Qt)."""
