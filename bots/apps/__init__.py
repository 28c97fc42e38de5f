"""Sessions and screens of the legacy applications, shared by every bot that uses them."""
