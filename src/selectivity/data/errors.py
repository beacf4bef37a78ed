from ..errors import DatasetError

__all__ = ["DatasetError"]
