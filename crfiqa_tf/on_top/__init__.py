"""CR-FIQA on top of the user's matcher (the paper's on-top ablation): the matcher frozen, class centres (the ArcFace
margin head) and the quality head learned with the CR loss on its embeddings."""
