"""Frontdesk: self-hostable AI agents that answer a business's chats and phone calls."""

__version__ = "0.1.0"
