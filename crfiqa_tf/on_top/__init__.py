"""CR-FIQA on top of the user's matcher (the paper's on-top ablation): the matcher frozen, class centres (the ArcFace
margin head) and the quality head learned with the CR loss on its embeddings."""

from crfiqa_tf.public_names import lazy_names

__all__, __getattr__, __dir__ = lazy_names(
    __name__,
    {
        "OnTopQuality": "crfiqa_tf.on_top.on_top_model",
        "OnTopSettings": "crfiqa_tf.on_top.train_on_top",
        "train_on_top": "crfiqa_tf.on_top.train_on_top",
        "MatcherQualityModel": "crfiqa_tf.on_top.matcher_quality_model",
    },
)
