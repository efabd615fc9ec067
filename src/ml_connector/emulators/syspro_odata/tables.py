"""The entity sets this emulator serves: SYSPRO table names and columns (docs/PROTOCOLS.md, SYSPRO OData).

Column subsets: the columns an integration reads plus the ones the reference lists with confidence.
``I`` marks inferred columns (see README.md). Order here is the JSON property order.
"""

from __future__ import annotations

from .schema import Table, table

GEN_MASTER = table(
    "GenMaster",
    """
    GlCode varchar(35) key
    Description varchar(50)
    AccountType char(1)
    GlGroup varchar(10)
    ReportIndex1 varchar(35)
    ReportIndex2 varchar(35)
    TimeStamp rowversion I
    """,
    notes="GL accounts; GlCode = company-account-costcentre, e.g. 10-4000-200.",
)

GEN_ANALYSIS_CODE = table(
    "GenAnalysisCode",
    """
    AnalysisCategory varchar(10) key
    AnalysisCode varchar(10) key
    AnalysisType int
    Description varchar(50)
    TimeStamp rowversion I
    """,
    notes="GL analysis codes; category CC holds the cost centres (GL code third segment).",
)

AP_SUPPLIER = table(
    "ApSupplier",
    """
    Supplier varchar(15) key
    SupplierName varchar(50)
    SupShortName varchar(20)
    SupplierClass varchar(10)
    Branch varchar(10)
    TermsCode char(2)
    Currency char(3)
    OnHold char(1)
    Telephone varchar(20)
    Contact varchar(40)
    Email varchar(255)
    DateSuppAdded datetime
    TimeStamp rowversion I
    """,
    date_column="DateSuppAdded",
)

AP_SUPPLIER_ADDR = table(
    "ApSupplierAddr",
    """
    Supplier varchar(15) key
    SupAddr1 varchar(40)
    SupAddr2 varchar(40)
    SupAddr3 varchar(40)
    SupAddr4 varchar(40)
    SupAddr5 varchar(40)
    SupPostalCode varchar(10) I
    TimeStamp rowversion I
    """,
    references={"Supplier": "ApSupplier"},
)

INV_WH_CONTROL = table(
    "InvWhControl",
    """
    Warehouse varchar(10) key
    Description varchar(50)
    DateLastChanged datetime I
    TimeStamp rowversion I
    """,
    date_column="DateLastChanged",
    touch_on_update=("DateLastChanged",),
    notes="DateLastChanged is invented by this emulator (tag I) so warehouses can be synced by date.",
)

INV_MASTER = table(
    "InvMaster",
    """
    StockCode varchar(30) key
    Description varchar(50)
    LongDesc varchar(100)
    StockUom varchar(10)
    ProductClass varchar(20)
    TaxCode char(3)
    Supplier varchar(15)
    MaterialCost decimal(15,5)
    DateStkAdded datetime
    TimeStamp rowversion I
    """,
    date_column="DateStkAdded",
    references={"Supplier": "ApSupplier"},
    amount_column="MaterialCost",
)

GEN_TRANSACTION = table(
    "GenTransaction",
    """
    GlYear decimal(4,0) key
    GlPeriod decimal(2,0) key
    Journal decimal(10,0) key
    EntryNumber decimal(10,0) key I
    GlCode varchar(35)
    JnlDate datetime
    EntryValue decimal(14,2)
    Reference varchar(30)
    Comment varchar(100)
    Source char(2)
    TimeStamp rowversion I
    """,
    date_column="JnlDate",
    references={"GlCode": "GenMaster"},
    amount_column="EntryValue",
    notes="Posted GL lines; EntryValue positive = debit; each journal sums to zero when seeded.",
)

AP_INVOICE = table(
    "ApInvoice",
    """
    Supplier varchar(15) key
    Invoice varchar(20) key
    InvoiceDate datetime
    JournalDate datetime
    DueDate datetime
    Reference varchar(30)
    InvoiceStatus char(1)
    Currency char(3)
    ExchangeRate decimal(12,6)
    CurrencyValue decimal(14,2)
    OrigInvValue decimal(14,2)
    MthInvBal1 decimal(14,2)
    InvoiceYear decimal(4,0)
    InvoiceMonth decimal(2,0)
    Journal decimal(10,0)
    Branch varchar(10)
    TimeStamp rowversion I
    """,
    date_column="JournalDate",
    references={"Supplier": "ApSupplier"},
    amount_column="MthInvBal1",
)

AR_CUSTOMER = table(
    "ArCustomer",
    """
    Customer varchar(15) key
    Name varchar(50)
    ShortName varchar(20)
    CustomerClass varchar(10)
    Branch varchar(10)
    Salesperson varchar(20)
    TermsCode char(2)
    Currency char(3)
    CreditLimit decimal(12,0)
    CustomerOnHold char(1)
    Telephone varchar(20)
    Contact varchar(50)
    Email varchar(255)
    SoldToAddr1 varchar(40)
    SoldToAddr2 varchar(40)
    SoldToAddr3 varchar(40)
    SoldToAddr4 varchar(40)
    SoldToAddr5 varchar(40)
    SoldPostalCode varchar(10)
    ShipToAddr1 varchar(40)
    ShipToAddr2 varchar(40)
    ShipToAddr3 varchar(40)
    ShipToAddr4 varchar(40)
    ShipToAddr5 varchar(40)
    ShipPostalCode varchar(10)
    DateCustAdded datetime null
    DateLastSale datetime null
    DateLastPay datetime null
    TimeStamp rowversion
    """,
    amount_column="CreditLimit",
    notes="No modified-date column in SYSPRO: TimeStamp is the only reliable change marker.",
)

AR_INVOICE = table(
    "ArInvoice",
    """
    Customer varchar(15) key
    Invoice varchar(20) key
    DocumentType char(1) key
    InvoiceDate datetime
    SalesOrder varchar(20)
    CustomerPoNumber varchar(30)
    Salesperson varchar(20)
    Branch varchar(10)
    TermsCode char(2)
    CurrencyValue decimal(14,2)
    TaxPortion decimal(14,2)
    InvoiceBal1 decimal(14,2)
    InvoiceYear decimal(4,0)
    InvoiceMonth decimal(2,0)
    PostCurrency char(3)
    TimeStamp rowversion
    """,
    date_column="InvoiceDate",
    references={"Customer": "ArCustomer"},
    amount_column="InvoiceBal1",
)

INV_WAREHOUSE = table(
    "InvWarehouse",
    """
    StockCode varchar(30) key
    Warehouse varchar(10) key
    QtyOnHand decimal(18,6)
    QtyAllocated decimal(18,6)
    QtyOnOrder decimal(18,6)
    QtyOnBackOrder decimal(18,6)
    UnitCost decimal(15,5)
    DefaultBin varchar(20)
    DateLastSale datetime null I
    DateLastPurchase datetime null I
    TimeStamp rowversion I
    """,
    references={"StockCode": "InvMaster", "Warehouse": "InvWhControl"},
    amount_column="QtyOnHand",
    notes="Key-ordered; an update moving QtyOnHand sets DateLastSale (down) or DateLastPurchase (up).",
)

SOR_MASTER = table(
    "SorMaster",
    """
    SalesOrder varchar(20) key
    OrderStatus char(1)
    DocumentType char(1)
    Customer varchar(15)
    CustomerName varchar(50)
    CustomerPoNumber varchar(30)
    OrderDate datetime
    EntrySystemDate datetime null
    ReqShipDate datetime null
    Branch varchar(10)
    Warehouse varchar(10)
    Salesperson varchar(20)
    Currency char(3)
    ShipAddress1 varchar(40)
    ShipAddress2 varchar(40)
    ShipAddress3 varchar(40)
    ShipAddress4 varchar(40)
    ShipAddress5 varchar(40)
    ShipPostalCode varchar(10)
    Email varchar(255)
    ShippingInstrs varchar(50)
    CancelledFlag char(1)
    LastInvoice varchar(20)
    DateLastInvPrt datetime null
    TimeStamp rowversion
    """,
    date_column="OrderDate",
    references={"Customer": "ArCustomer", "Warehouse": "InvWhControl"},
)

SOR_DETAIL = table(
    "SorDetail",
    """
    SalesOrder varchar(20) key
    SalesOrderLine decimal(4,0) key
    LineType char(1)
    MStockCode varchar(30)
    MStockDes varchar(50)
    MWarehouse varchar(10)
    MOrderQty decimal(18,6)
    MShipQty decimal(18,6)
    MBackOrderQty decimal(18,6)
    MUnitCost decimal(15,5)
    MPrice decimal(15,5)
    MOrderUom varchar(10)
    MLineShipDate datetime null
    MProductClass varchar(20)
    MTaxCode char(3)
    MCusSupStkCode varchar(30)
    NComment varchar(100)
    NMscChargeValue decimal(14,2)
    TimeStamp rowversion
    """,
    references={"SalesOrder": "SorMaster", "MStockCode": "InvMaster", "MWarehouse": "InvWhControl"},
    amount_column="MShipQty",
    notes="LineType 1 stock, 4 freight, 6 comment, 7 non-stocked; only stock lines must name InvMaster.",
)

POR_MASTER_HDR = table(
    "PorMasterHdr",
    """
    PurchaseOrder varchar(20) key
    OrderStatus char(1)
    Supplier varchar(15)
    OrderEntryDate datetime
    OrderDueDate datetime null
    DatePoCompleted datetime null
    Buyer varchar(20)
    CancelledFlag char(1)
    Warehouse varchar(10) I
    Currency char(3) I
    ExchangeRate decimal(12,6) I
    TimeStamp rowversion I
    """,
    date_column="OrderEntryDate",
    references={"Supplier": "ApSupplier", "Warehouse": "InvWhControl"},
)

POR_MASTER_DETAIL = table(
    "PorMasterDetail",
    """
    PurchaseOrder varchar(20) key
    Line decimal(4,0) key
    LineType char(1)
    MStockCode varchar(30)
    MStockDes varchar(50)
    MWarehouse varchar(10)
    MOrderQty decimal(18,6)
    MReceivedQty decimal(18,6)
    MPrice decimal(15,5)
    MOrderUom varchar(10)
    MLatestDueDate datetime null
    MOrigDueDate datetime null
    MCompleteFlag char(1)
    TimeStamp rowversion
    """,
    references={"PurchaseOrder": "PorMasterHdr", "MStockCode": "InvMaster", "MWarehouse": "InvWhControl"},
    amount_column="MReceivedQty",
)

# Dimensions before facts: seeding and the integrity check walk this order.
ALL_TABLES: tuple[Table, ...] = (
    GEN_ANALYSIS_CODE,
    GEN_MASTER,
    AP_SUPPLIER,
    AP_SUPPLIER_ADDR,
    INV_WH_CONTROL,
    INV_MASTER,
    AR_CUSTOMER,
    GEN_TRANSACTION,
    AP_INVOICE,
    AR_INVOICE,
    INV_WAREHOUSE,
    SOR_MASTER,
    SOR_DETAIL,
    POR_MASTER_HDR,
    POR_MASTER_DETAIL,
)
TABLES: dict[str, Table] = {t.name: t for t in ALL_TABLES}
