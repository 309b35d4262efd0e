"""airguard: policy-as-code compliance scanner for Apache Airflow on AWS Aurora."""

__version__ = "0.1.0"
