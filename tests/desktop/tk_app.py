"""A tiny Tk window for the desktop driver's tests: python tk_app.py TITLE X Y.

It prints "ready" once drawn, "entry:<text>" when Return is pressed in its entry, and
"clicked" when its button is pressed, one line each, flushed.
"""

from __future__ import annotations

import sys
import tkinter as tk


def main() -> None:
    title, x, y = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    root = tk.Tk()
    root.title(title)
    root.geometry(f"360x160+{x}+{y}")
    entry = tk.Entry(root, width=30, font=("DejaVu Sans", 12))
    entry.pack(pady=12)
    entry.bind("<Return>", lambda _e: say(f"entry:{entry.get()}"))
    tk.Button(root, text="Press me", font=("DejaVu Sans", 12), command=lambda: say("clicked")).pack()
    tk.Label(root, text="SECRET-4711", font=("DejaVu Sans", 12)).pack(pady=8)
    entry.focus_set()
    root.after(200, lambda: say("ready"))
    root.mainloop()


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
