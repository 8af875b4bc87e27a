"""One Textual widget per pane of the operator console. Widgets know models and messages, never a broker."""
