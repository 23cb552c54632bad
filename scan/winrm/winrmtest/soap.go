package winrmtest

import (
	"bytes"
	"encoding/xml"
	"io"
	"net/http"
	"strings"
)

const envOpen = `<s:Envelope xml:lang="en-US" xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:x="http://schemas.xmlsoap.org/ws/2004/09/transfer" xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell" xmlns:p="http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd">`

func (s *Server) header(action, relatesTo string) string {
	s.mu.Lock()
	id := s.newID()
	s.mu.Unlock()
	return `<s:Header><a:Action>` + action + `</a:Action><a:MessageID>uuid:` + id + `</a:MessageID>` +
		`<a:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:To>` +
		`<a:RelatesTo>` + esc(strings.TrimSpace(relatesTo)) + `</a:RelatesTo></s:Header>`
}

func (s *Server) reply(w http.ResponseWriter, relatesTo, action, body string) {
	w.Header().Set("Content-Type", "application/soap+xml;charset=UTF-8")
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, envOpen+s.header(action, relatesTo)+`<s:Body>`+body+`</s:Body></s:Envelope>`)
}

// fault answers HTTP 500 with a SOAP fault shaped like the WinRM service's.
func (s *Server) fault(w http.ResponseWriter, relatesTo, code, subcode, wsmanCode, text string) {
	w.Header().Set("Content-Type", "application/soap+xml;charset=UTF-8")
	w.WriteHeader(http.StatusInternalServerError)
	io.WriteString(w, envOpen+s.header("http://schemas.dmtf.org/wbem/wsman/1/wsman/fault", relatesTo)+
		`<s:Body><s:Fault><s:Code><s:Value>`+code+`</s:Value><s:Subcode><s:Value>`+subcode+`</s:Value></s:Subcode></s:Code>`+
		`<s:Reason><s:Text xml:lang="en-US">`+esc(text)+`</s:Text></s:Reason>`+
		`<s:Detail><f:WSManFault xmlns:f="http://schemas.microsoft.com/wbem/wsman/1/wsmanfault" Code="`+wsmanCode+`" Machine="127.0.0.1">`+
		`<f:Message>`+esc(text)+`</f:Message></f:WSManFault></s:Detail></s:Fault></s:Body></s:Envelope>`)
}

func esc(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// The parts of a request envelope the server reads. encoding/xml matches
// on local names, which is what matters here.
type envelope struct {
	Header soapHeader `xml:"Header"`
	Body   struct {
		CommandLine *commandLine `xml:"CommandLine"`
		Send        *sendBody    `xml:"Send"`
		Receive     *receiveBody `xml:"Receive"`
		Signal      *struct {
			CommandID string `xml:"CommandId,attr"`
			Code      string `xml:"Code"`
		} `xml:"Signal"`
	} `xml:"Body"`
}

type soapHeader struct {
	Options []struct {
		Name  string `xml:"Name,attr"`
		Value string `xml:",chardata"`
	} `xml:"OptionSet>Option"`
	Action      string `xml:"Action"`
	MessageID   string `xml:"MessageID"`
	ResourceURI string `xml:"ResourceURI"`
	Selectors   []struct {
		Name  string `xml:"Name,attr"`
		Value string `xml:",chardata"`
	} `xml:"SelectorSet>Selector"`
}

type commandLine struct {
	Command   string   `xml:"Command"`
	Arguments []string `xml:"Arguments"`
}

type sendBody struct {
	Streams []struct {
		Name      string `xml:"Name,attr"`
		CommandID string `xml:"CommandId,attr"`
		End       string `xml:"End,attr"`
		Data      string `xml:",chardata"`
	} `xml:"Stream"`
}

type receiveBody struct {
	DesiredStream struct {
		CommandID string `xml:"CommandId,attr"`
		Streams   string `xml:",chardata"`
	} `xml:"DesiredStream"`
}

func (h soapHeader) option(name string) string {
	for _, o := range h.Options {
		if o.Name == name {
			return strings.TrimSpace(o.Value)
		}
	}
	return ""
}

func (h soapHeader) selector(name string) string {
	for _, sel := range h.Selectors {
		if sel.Name == name {
			return strings.TrimSpace(sel.Value)
		}
	}
	return ""
}
