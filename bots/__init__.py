"""The project's bots. Each folder holds one bot; ``apps/`` holds screens shared by several."""
