-- The review page's search ("subject or sender contains", src/store/browse.rs) reads this
-- narrow index instead of whole rows, which their signals and evidence JSON make ten to
-- twenty times as wide: at 100,000 detections a search that matches nothing reads about
-- 10 MB instead of about 200 MB (README "Performance").
CREATE INDEX detections_by_text ON detections (subject, from_addr);
