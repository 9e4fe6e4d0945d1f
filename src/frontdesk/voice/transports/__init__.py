"""Where a call's audio comes from and goes to: Twilio Media Streams, a browser, a file."""
