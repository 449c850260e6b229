"""Face detection (MTCNN) and 5-point similarity alignment to the 112×112 ArcFace template."""
