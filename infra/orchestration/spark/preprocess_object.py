"""Preprocess one CSV object with Spark: the EMR on EKS engine of the orchestrated variant.

The same steps and outputs as `processor preprocess-object` (docs/DESIGN.md, Data flows 1): missing age and
salary take the column median, a missing department becomes "Unknown", the profile JSON becomes
address/phone/email; the transformed table adds address_length, salary_category and age_group. The
four outputs go to s3://<output-bucket>/<output-prefix>{cleaned_data.csv, transformed_data.csv,
department_statistics.csv, quality_metrics.json}; a file that can never be processed gets
s3://<output-bucket>/<error-key> with the reason and the run still succeeds (the workflow then finds
no metrics and reports the failure), exactly like the Node processor. Values are the same; number
formatting follows Spark, not pandas, so the files are not byte-identical to the Node engine's.

Run by EMR on EKS as the Spark entry point:
  preprocess_object.py --bucket B --key K --output-bucket O --output-prefix output/x/ --error-key E
"""

import argparse
import csv
import io
import json
import sys

import boto3
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

REQUIRED = ["id", "name", "age", "salary", "hire_date", "profile", "department", "bonus"]
PROFILE = T.StructType([T.StructField(f, T.StringType()) for f in ("address", "phone", "email")])
SALARY_BINS = [(0, 50000, "low"), (50000, 70000, "medium"), (70000, 100000, "high")]
AGE_BINS = [
    (0, 25, "Young"),
    (25, 35, "Early Career"),
    (35, 45, "Mid Career"),
    (45, 55, "Senior"),
    (55, None, "Experienced"),
]


class PermanentFileError(Exception):
    """The input can never be processed: it gets an error report instead of outputs."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def cut(column, bins):
    """pd.cut with right-closed bins: (low, high] -> label, anything else -> null."""
    expr = None
    for low, high, label in bins:
        cond = (column > low) if high is None else (column > low) & (column <= high)
        expr = F.when(cond, label) if expr is None else expr.when(cond, label)
    return expr


def to_csv(df):
    """A DataFrame as one CSV document (header first, nulls as empty fields)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(df.columns)
    for row in df.toLocalIterator():
        writer.writerow(["" if v is None else v for v in row])
    return out.getvalue()


def transform(raw):
    missing = [c for c in REQUIRED if c not in raw.columns]
    if missing:
        raise PermanentFileError("wrong_header", f"missing required columns: {', '.join(missing)}")
    df = raw.withColumn("age", F.col("age").cast("double")).withColumn(
        "salary", F.col("salary").cast("double")
    )
    medians = df.agg(
        F.expr("percentile(age, 0.5)").alias("age"), F.expr("percentile(salary, 0.5)").alias("salary")
    ).first()
    cleaned = (
        df.fillna({"age": medians["age"], "salary": medians["salary"]})
        .withColumn("department", F.coalesce(F.col("department"), F.lit("Unknown")))
        .withColumn("_profile", F.from_json(F.col("profile"), PROFILE))
        .withColumn("address", F.col("_profile.address"))
        .withColumn("phone", F.col("_profile.phone"))
        .withColumn("email", F.col("_profile.email"))
        .drop("profile", "_profile")
    )
    transformed = (
        cleaned.withColumn("address_length", F.coalesce(F.length("address"), F.lit(0)))
        .withColumn("salary_category", cut(F.col("salary"), SALARY_BINS))
        .withColumn("age_group", cut(F.col("age"), AGE_BINS))
    )
    stats = (
        cleaned.groupBy("department")
        .agg(F.avg("salary").alias("salary"), F.avg("age").alias("age"))
        .orderBy("department")
    )
    columns = transformed.columns
    missing_count = transformed.select(
        sum(F.sum(F.col(c).isNull().cast("long")) for c in columns).alias("n")
    ).first()["n"]
    # Rows equal to an earlier row (pandas duplicated(): every occurrence after the first).
    counted = transformed.groupBy(*columns).count()
    duplicates = counted.select(F.sum(F.col("count") - 1).alias("n")).first()["n"] or 0
    metrics = {
        "total_rows": transformed.count(),
        "total_columns": len(columns),
        "missing_values_count": int(missing_count or 0),
        "duplicate_rows": int(duplicates),
    }
    return cleaned, transformed, stats, metrics


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in ("--bucket", "--key", "--output-bucket", "--output-prefix", "--error-key"):
        p.add_argument(name, required=True)
    a = p.parse_args(argv)
    s3 = boto3.client("s3")
    spark = SparkSession.builder.appName("preprocess-object").getOrCreate()
    head = s3.head_object(Bucket=a.bucket, Key=a.key)
    source = {"source_bucket": a.bucket, "source_key": a.key, "source_etag": head["ETag"].strip('"')}
    try:
        if not a.key.lower().endswith(".csv"):
            raise PermanentFileError("not_csv_key", "the key does not end in .csv")
        raw = spark.read.option("header", True).option("mode", "FAILFAST").csv(
            f"s3://{a.bucket}/{a.key}"
        )
        cleaned, transformed, stats, metrics = transform(raw)
    except PermanentFileError as e:
        report = {**source, "code": e.code, "reason": str(e)}
        s3.put_object(Bucket=a.output_bucket, Key=a.error_key, Body=json.dumps(report).encode())
        return 0
    outputs = {
        "cleaned_data.csv": to_csv(cleaned),
        "transformed_data.csv": to_csv(transformed),
        "department_statistics.csv": to_csv(stats),
    }
    for name, body in outputs.items():
        s3.put_object(Bucket=a.output_bucket, Key=a.output_prefix + name, Body=body.encode())
    # Written last: the workflow reads it as the sign that every output is in place.
    s3.put_object(
        Bucket=a.output_bucket,
        Key=a.output_prefix + "quality_metrics.json",
        Body=json.dumps({**metrics, **source}).encode(),
    )
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
