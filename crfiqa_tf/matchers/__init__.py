"""The user's own face-recognition model (the *matcher*): opened from any format users have, with its own
preprocessing declared, giving the embeddings that comparison scores and on-top quality training use."""
