"""统计分析 (issue 17, ADR 0028): the figures a 科室负责人 reads about his department, drawn as
SVG bar charts beside their tables, exported as CSV and XLSX. Owns no table: it reads cases,
ratings and certificates; nothing imports it but the URLs, the demo and the benchmark."""
