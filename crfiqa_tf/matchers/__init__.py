"""The user's own face-recognition model (the *matcher*): opened from any format users have, with its own
preprocessing declared, giving the embeddings that comparison scores and on-top quality training use."""

from crfiqa_tf.public_names import lazy_names

__all__, __getattr__, __dir__ = lazy_names(
    __name__,
    {
        "Matcher": "crfiqa_tf.matchers.matcher",
        "load_matcher": "crfiqa_tf.matchers.matcher",
        "MatcherInput": "crfiqa_tf.matchers.matcher_input",
    },
)
