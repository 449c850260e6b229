"""Evaluation as the field does it: verification accuracy, the EDC and its pAUC (ISO/IEC 29794-1), the paper's ERC,
quality per group of people; `crfiqa_tf.evaluation.evaluate.evaluate` runs them on a model (``crfiqa-tf evaluate``)."""

from crfiqa_tf.public_names import lazy_names

__all__, __getattr__, __dir__ = lazy_names(
    __name__,
    {
        "edc_curve": "crfiqa_tf.evaluation.edc",
        "pair_quality": "crfiqa_tf.evaluation.edc",
        "threshold_at_fmr": "crfiqa_tf.evaluation.edc",
        "erc_curve": "crfiqa_tf.evaluation.erc",
        "spearman": "crfiqa_tf.evaluation.rank_correlation",
        "group_report": "crfiqa_tf.evaluation.groups",
        "fuse_template": "crfiqa_tf.evaluation.fusion",
        "ten_fold_accuracy": "crfiqa_tf.evaluation.verification",
        "tar_at_far": "crfiqa_tf.evaluation.verification",
        "all_vs_all": "crfiqa_tf.evaluation.protocols",
        "read_lfw_pairs": "crfiqa_tf.evaluation.protocols",
        "cap_per_identity": "crfiqa_tf.evaluation.protocols",
        "gap_closed": "crfiqa_tf.evaluation.oracle",
        "oracle_curve": "crfiqa_tf.evaluation.oracle",
        "quality_rows": "crfiqa_tf.evaluation.quality_table",
        "evaluate_for_matcher": "crfiqa_tf.evaluation.matcher_evaluation",
    },
)
